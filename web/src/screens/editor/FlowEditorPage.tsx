// Placeholder until this screen is built.
export function FlowEditorPage() {
  return <div>FlowEditorPage</div>;
}
