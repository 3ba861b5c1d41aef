// Ready-made flows to start from (src/engine/templates.ts).
import type { Services } from '../../services.ts';
import { FLOW_TEMPLATES } from '../../engine/templates.ts';
import type { ApiRouter } from '../router.ts';

export function registerTemplatesRoutes(api: ApiRouter, _s: Services): void {
  api.add({
    method: 'GET', url: '/templates', summary: 'Flow templates: flow JSON whose connection names are placeholders to replace', tag: 'flows', role: 'viewer',
    async handler() {
      return { items: FLOW_TEMPLATES };
    },
  });
}
