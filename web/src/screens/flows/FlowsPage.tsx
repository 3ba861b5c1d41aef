// Placeholder until this screen is built.
export function FlowsPage() {
  return <div>FlowsPage</div>;
}
