// Placeholder until this screen is built.
export function AccountPage() {
  return <div>AccountPage</div>;
}
