// Placeholder: replaced by the feature's real component.
export function AccountMenu(_props: { compact?: boolean }) {
  return null;
}
