// The vendors' sandboxes, in-process on loopback: RetailCRM (can fire its own triggers, like
// Автоматизация → Триггеры) and Calltouch (lead-service deals).
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';

export interface Sandboxes {
  retailcrm: RetailcrmSandbox;
  calltouch: CalltouchSandbox;
  /** Creates a deal in Calltouch as a tracked call would, so that `order.update` finds it. */
  calltouchDeal(orderNumber: string, phone?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startSandboxes(): Promise<Sandboxes> {
  // No rate limit: the UI tests are not about it and a slow machine must not trip it.
  const retailcrm = await startRetailcrmSandbox({ host: '127.0.0.1', rateLimit: 0 });
  const calltouch = await startCalltouchSandbox({ host: '127.0.0.1', ratePerSecond: 1000, queueSize: 1000 });
  return {
    retailcrm,
    calltouch,
    async calltouchDeal(orderNumber, phone = '79160000000') {
      const { siteId, accessToken } = calltouch.credentials;
      const res = await fetch(`${calltouch.baseUrl}/lead-service/v1/api/client-order/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'access-token': accessToken, siteid: siteId },
        body: JSON.stringify({ crm: 'retailCRM', orders: [{ orderNumber, matching: [{ type: 'callContact', callContactParams: { phones: [phone], callTypeToMatch: 'nearest' } }] }] }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`Calltouch sandbox refused to create deal ${orderNumber}: HTTP ${res.status} ${text}`);
    },
    async close() {
      await Promise.allSettled([retailcrm.close(), calltouch.close()]);
    },
  };
}
