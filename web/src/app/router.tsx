import { lazy, Suspense, type ReactNode } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, Outlet, useLocation, type LoaderFunctionArgs } from 'react-router';

import { PageSkeleton } from '@/components/page-skeleton';
import { RouteError } from '@/components/route-error';
import { blobListingQuery } from '@/features/browse/api/blobs';
import { getSession } from '@/lib/auth/session';
import { useSession } from '@/lib/auth/use-session';
import { parseBrowseUrl } from '@/lib/paths';
import { rememberedConnection } from '@/lib/selected-connection';

// Routes are split: the sign-in page loads only what it needs (not even the signed-in frame).
const loadShell = () => import('@/app/shell/app-shell');
const loadBrowsePage = () => import('@/features/browse/components/browse-page');
const AppShell = lazy(() => loadShell().then((m) => ({ default: m.AppShell })));
const SignInPage = lazy(() => import('@/features/auth/components/sign-in-page'));
const RegisterPage = lazy(() => import('@/features/auth/components/register-page'));
const SettingsPage = lazy(() => import('@/features/auth/components/settings-page'));
const ConnectionsPage = lazy(() => import('@/features/connections/components/connections-page'));
const ContainersPage = lazy(() => import('@/features/browse/components/containers-page'));
const BrowsePage = lazy(loadBrowsePage);
const SyncJobsPage = lazy(() => import('@/features/sync/components/sync-jobs-page'));
const SyncJobPage = lazy(() => import('@/features/sync/components/sync-job-page'));
const ActivityPage = lazy(() => import('@/features/activity/components/activity-page'));

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<PageSkeleton />}>{children}</Suspense>;
}

/** Signed-in pages: without a session, go to sign-in and come back here afterwards. */
function RequireSession() {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = location.pathname + location.search;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

function Home() {
  const id = rememberedConnection();
  return <Navigate to={id ? `/c/${id}` : '/connections'} replace />;
}

/** /sync: the sync jobs of the connection the user last worked in. */
function SyncHome() {
  const id = rememberedConnection();
  return <Navigate to={id ? `/sync/${id}` : '/connections'} replace />;
}

/**
 * Starts a folder's listing, and the code of the frame and the page, as soon as its URL is
 * navigated to: a cold open of a deep link otherwise loads the frame, then the page, then asks
 * for the listing, one after the other. The page then finds all three under way. Never blocks
 * or fails the navigation.
 */
function prefetchFolder(queryClient: QueryClient) {
  return ({ request }: LoaderFunctionArgs) => {
    const url = new URL(request.url);
    const place = parseBrowseUrl(url.pathname, url.search);
    if (place?.container && getSession()) {
      void loadShell();
      void loadBrowsePage();
      const folder = { connectionId: place.connectionId, container: place.container, prefix: place.prefix };
      void queryClient.prefetchInfiniteQuery(blobListingQuery(folder, place.filter ?? ''));
    }
    return null;
  };
}

export function createAppRouter(queryClient: QueryClient) {
  return createBrowserRouter([
    {
      path: '/sign-in',
      element: (
        <Lazy>
          <SignInPage />
        </Lazy>
      ),
      errorElement: <RouteError />,
    },
    {
      path: '/register',
      element: (
        <Lazy>
          <RegisterPage />
        </Lazy>
      ),
      errorElement: <RouteError />,
    },
    {
      element: <RequireSession />,
      errorElement: <RouteError />,
      children: [
        {
          element: (
            <Lazy>
              <AppShell />
            </Lazy>
          ),
          children: [
            { index: true, element: <Home /> },
            {
              path: 'connections',
              element: (
                <Lazy>
                  <ConnectionsPage />
                </Lazy>
              ),
            },
            {
              path: 'settings',
              element: (
                <Lazy>
                  <SettingsPage />
                </Lazy>
              ),
            },
            {
              path: 'c/:connectionId',
              element: (
                <Lazy>
                  <ContainersPage />
                </Lazy>
              ),
            },
            {
              path: 'c/:connectionId/:container/*',
              loader: prefetchFolder(queryClient),
              element: (
                <Lazy>
                  <BrowsePage />
                </Lazy>
              ),
            },
            // Sync jobs live under /sync/ rather than /c/{id}/: any name there could be a container.
            { path: 'sync', element: <SyncHome /> },
            {
              path: 'sync/:connectionId',
              element: (
                <Lazy>
                  <SyncJobsPage />
                </Lazy>
              ),
            },
            {
              path: 'sync/:connectionId/:jobId',
              element: (
                <Lazy>
                  <SyncJobPage />
                </Lazy>
              ),
            },
            {
              path: 'activity',
              element: (
                <Lazy>
                  <ActivityPage />
                </Lazy>
              ),
            },
            { path: '*', element: <RouteError notFound /> },
          ],
        },
      ],
    },
  ]);
}
