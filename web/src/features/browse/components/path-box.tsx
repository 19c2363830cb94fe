// Placeholder: replaced by the feature's real component.
export function PathBox(_props: { compact?: boolean }) {
  return null;
}
