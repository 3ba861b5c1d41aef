// Every /api/v1 route, one module per resource. Each handler is scoped to ctx.workspaceId;
// records of other workspaces are simply not found.
import type { Services } from '../../services.ts';
import type { ApiRouter } from '../router.ts';
import { registerSessionRoutes } from './session.ts';
import { registerWorkspacesRoutes } from './workspaces.ts';
import { registerConnectionsRoutes } from './connections.ts';
import { registerFlowsRoutes } from './flows.ts';
import { registerExecutionsRoutes } from './executions.ts';
import { registerWebhooksRoutes } from './webhooks.ts';
import { registerCatalogRoutes } from './catalog.ts';
import { registerPlanRoutes } from './plans.ts';
import { registerTemplatesRoutes } from './templates.ts';
import { registerInvitationRoutes } from './invitations.ts';
import { registerOperatorRoutes } from './operator.ts';
import { registerVariablesRoutes } from './variables.ts';
import { registerCollectionsRoutes } from './collections.ts';
import { registerAuditRoutes } from './audit.ts';
import { registerAlertsRoutes } from './alerts.ts';

export function registerRoutes(api: ApiRouter, s: Services): void {
  registerSessionRoutes(api, s);
  registerWorkspacesRoutes(api, s);
  registerConnectionsRoutes(api, s);
  registerFlowsRoutes(api, s);
  registerExecutionsRoutes(api, s);
  registerWebhooksRoutes(api, s);
  registerCatalogRoutes(api, s);
  registerPlanRoutes(api, s);
  registerTemplatesRoutes(api, s);
  registerInvitationRoutes(api, s);
  registerOperatorRoutes(api, s);
  registerVariablesRoutes(api, s);
  registerCollectionsRoutes(api, s);
  registerAuditRoutes(api, s);
  registerAlertsRoutes(api, s);
}
