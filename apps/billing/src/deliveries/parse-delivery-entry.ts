import type { Delivery } from "./delivery-repository.ts";

/** Far beyond any request id the gateway makes; a longer one is not a delivery. */
const MAX_ID_LENGTH = 200;
/** Year 9999: anything later is not a time a delivery was made. */
const MAX_EPOCH_MS = 253_402_300_799_999;

/**
 * One deliveries stream entry's fields (`id`: the request id, `at`: epoch ms, as the edges'
 * DeliveryLog and the workers' webhook handler write them), or undefined for anything else: such
 * an entry is acknowledged and counted, never retried.
 */
export function parseDeliveryEntry(fields: readonly string[]): Delivery | undefined {
  let id: string | undefined;
  let at: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === "id") id = fields[i + 1];
    else if (fields[i] === "at") at = fields[i + 1];
  }
  if (!id || id.length > MAX_ID_LENGTH || !at || !/^\d{1,16}$/.test(at)) return undefined;
  const ms = Number(at);
  if (ms <= 0 || ms > MAX_EPOCH_MS) return undefined;
  return { requestId: id, deliveredAt: new Date(ms) };
}
