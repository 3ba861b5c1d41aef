// Placeholder until the usage screen lands.
export function QuotaBanners() {
  return null;
}
