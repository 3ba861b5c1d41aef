// Placeholder until this screen is built.
export function ConnectionsPage() {
  return <div>ConnectionsPage</div>;
}
