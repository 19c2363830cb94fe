// Renders a component as the console does: Fluent theme, a fresh TanStack Query cache and an
// in-memory router, so that tests find things by role and label as a user would.
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';

/** A query client for tests: no retries (a failure shows at once), nothing garbage-collected mid-test. */
export function createTestQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, gcTime: Number.POSITIVE_INFINITY, staleTime: Number.POSITIVE_INFINITY },
      mutations: { retry: false },
    },
  });
}

export interface RenderOptions {
  /** The URL the router starts at, e.g. `/sign-in?next=%2Fc%2F1`. */
  route?: string;
  /** A route pattern for `ui` (e.g. `/c/:connectionId/*`) when it reads URL params. */
  path?: string;
  queryClient?: QueryClient;
}

export interface RenderWithProvidersResult extends RenderResult {
  user: UserEvent;
  queryClient: QueryClient;
  /** The router's current path + search (where the component navigated to). */
  location: () => string;
}

function LocationSpy({ into }: { into: { current: string } }) {
  const location = useLocation();
  into.current = location.pathname + location.search;
  return null;
}

export function renderWithProviders(ui: ReactElement, options: RenderOptions = {}): RenderWithProvidersResult {
  const queryClient = options.queryClient ?? createTestQueryClient();
  const where = { current: options.route ?? '/' };
  const user = userEvent.setup();
  const result = render(
    <FluentProvider theme={webLightTheme}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[options.route ?? '/']}>
          <LocationSpy into={where} />
          {options.path ? (
            <Routes>
              <Route path={options.path} element={ui} />
              <Route path="*" element={null} />
            </Routes>
          ) : (
            ui
          )}
        </MemoryRouter>
      </QueryClientProvider>
    </FluentProvider>,
  );
  return { ...result, user, queryClient, location: () => where.current };
}
