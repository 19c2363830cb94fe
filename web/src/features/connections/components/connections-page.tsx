// Placeholder: replaced by the feature's real page.
export default function Page() {
  return <p>connections/components/connections-page</p>;
}
