import { Webhook } from 'standardwebhooks';

/**
 * The headers of one delivery attempt: the destination's own, then Standard Webhooks'
 * `webhook-id` (the message, the same on every retry), `webhook-timestamp` and, with a secret,
 * `webhook-signature` (`v1,` HMAC-SHA256 of id, timestamp and body), and `Idempotency-Key`.
 */
export function signedHeaders(options: {
  messageId: string;
  idempotencyKey: string;
  body: string;
  contentType: string;
  secret: string | null;
  headers: Record<string, string>;
  sentAt?: Date;
}): Record<string, string> {
  const sentAt = options.sentAt ?? new Date();
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': options.contentType,
    'user-agent': 'Judgify-Webhooks/1',
    'idempotency-key': options.idempotencyKey,
    'webhook-id': options.messageId,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
  };
  if (options.secret) headers['webhook-signature'] = new Webhook(options.secret).sign(options.messageId, sentAt, options.body);
  return headers;
}
