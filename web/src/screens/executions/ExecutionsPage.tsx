// Placeholder until this screen is built.
export function ExecutionsPage() {
  return <div>ExecutionsPage</div>;
}
