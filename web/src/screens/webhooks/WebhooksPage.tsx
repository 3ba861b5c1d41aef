// Placeholder until this screen is built.
export function WebhooksPage() {
  return <div>WebhooksPage</div>;
}
