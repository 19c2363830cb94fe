// Placeholder: replaced by the feature's real component.
export function ConnectionNav(_props: { compact?: boolean }) {
  return null;
}
