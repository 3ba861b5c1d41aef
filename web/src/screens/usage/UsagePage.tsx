// Placeholder until this screen is built.
export function UsagePage() {
  return <div>UsagePage</div>;
}
