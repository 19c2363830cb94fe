// Placeholder: replaced by the feature's real component.
export function ConnectionSwitcher(_props: { compact?: boolean }) {
  return null;
}
