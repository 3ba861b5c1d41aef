// Placeholder until this screen is built.
export function SettingsPage() {
  return <div>SettingsPage</div>;
}
