// Placeholder until this screen is built.
export function WebhookPage() {
  return <div>WebhookPage</div>;
}
