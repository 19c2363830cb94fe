// Placeholder: replaced by the feature's real page.
export default function Page() {
  return <p>browse/components/containers-page</p>;
}
