import { FluentProvider, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { RouterProvider } from 'react-router';

import { createAppRouter } from '@/app/router';
import { createQueryClient } from '@/lib/query-client';
import { useSystemDark } from '@/lib/hooks/use-system-dark';

/** The whole console: theme (following the system), server-state cache, routes. */
export function App() {
  const dark = useSystemDark();
  const [queryClient] = useState(createQueryClient);
  const [router] = useState(() => createAppRouter(queryClient));
  return (
    <FluentProvider theme={dark ? webDarkTheme : webLightTheme} style={{ height: '100%' }}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </FluentProvider>
  );
}
