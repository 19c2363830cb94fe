import { Link } from '@fluentui/react-components';
import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { useHref, useNavigate, type To } from 'react-router';

/**
 * A Fluent link to a page of the console: a real `<a href>` (middle-click and "open in new tab"
 * work), navigated by the router on a plain click.
 */
export function AppLink({
  to,
  state,
  replace,
  onClick,
  inline,
  appearance,
  ...props
}: Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & {
  to: To;
  state?: unknown;
  replace?: boolean;
  inline?: boolean;
  appearance?: 'default' | 'subtle';
}) {
  const href = useHref(to);
  const navigate = useNavigate();
  return (
    <Link
      as="a"
      {...props}
      inline={inline}
      appearance={appearance}
      href={href}
      onClick={(event: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(event);
        if (
          event.defaultPrevented ||
          event.button !== 0 ||
          event.metaKey ||
          event.altKey ||
          event.ctrlKey ||
          event.shiftKey
        ) {
          return;
        }
        event.preventDefault();
        navigate(to, { state, replace });
      }}
    />
  );
}
