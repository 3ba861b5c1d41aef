// Placeholder until this screen is built.
export function ExecutionPage() {
  return <div>ExecutionPage</div>;
}
