/**
 * Text PostgreSQL stores as given: it rejects NUL in text and jsonb, rejects lone UTF-16
 * surrogates in jsonb and would silently replace them in text. Input that is not is refused.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/** Text from outside our API (a provider's webhook, a model) made storable: NUL dropped, lone surrogates replaced. */
export function toStorableText(value: string): string {
  return value.replaceAll('\u0000', '').toWellFormed();
}
