/** Amounts in a currency's minor unit (cents) as the shopper would read them. */

const digits = (currency: string) => {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
};

export function money(minor: number, currency: string): string {
  const d = digits(currency);
  const value = minor / 10 ** d;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: d, maximumFractionDigits: d }).format(value);
  } catch {
    return `${value.toFixed(d)} ${currency}`;
  }
}
