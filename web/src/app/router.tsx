import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, Outlet, useLocation } from 'react-router';

import { PageSkeleton } from '@/components/page-skeleton';
import { RouteError } from '@/components/route-error';
import { useSession } from '@/lib/auth/use-session';
import { rememberedConnection } from '@/lib/selected-connection';

// Routes are split: the sign-in page loads only what it needs (not even the signed-in frame).
const AppShell = lazy(() => import('@/app/shell/app-shell').then((m) => ({ default: m.AppShell })));
const SignInPage = lazy(() => import('@/features/auth/components/sign-in-page'));
const RegisterPage = lazy(() => import('@/features/auth/components/register-page'));
const SettingsPage = lazy(() => import('@/features/auth/components/settings-page'));
const ConnectionsPage = lazy(() => import('@/features/connections/components/connections-page'));
const ContainersPage = lazy(() => import('@/features/browse/components/containers-page'));
const BrowsePage = lazy(() => import('@/features/browse/components/browse-page'));

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

export function createAppRouter() {
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
              element: (
                <Lazy>
                  <BrowsePage />
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
