// Placeholder: replaced by the feature's real component.
export function TransferPanel(_props: { compact?: boolean }) {
  return null;
}
