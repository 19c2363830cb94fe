import { useMediaQuery } from '@/lib/hooks/use-media-query';

/** True while the system asks for a dark theme; follows changes live. */
export function useSystemDark(): boolean {
  return useMediaQuery('(prefers-color-scheme: dark)');
}
