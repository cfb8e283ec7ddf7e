import type { WidgetSettings } from '../../model/chatbot.entity.js';

/** `widget` as a request gives it: the secret may be left out (keep it) or null (remove it). */
export interface WidgetInput {
  allowedOrigins: string[];
  anonymous: boolean;
  identitySecret?: string | null;
}

/**
 * The settings to store: the request's, with the secret that is already set kept when the request
 * leaves it out (it is write-only, so a client that echoes what it read never has it) and removed
 * when it is null.
 */
export function widgetSettings(input: WidgetInput | null, current?: WidgetSettings | null): WidgetSettings | null {
  if (input === null) return null;
  const secret = input.identitySecret === undefined ? current?.identitySecret : (input.identitySecret ?? undefined);
  return {
    allowedOrigins: input.allowedOrigins,
    anonymous: input.anonymous,
    ...(secret !== undefined && { identitySecret: secret }),
  };
}
