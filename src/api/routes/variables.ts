// Workspace variables for templates ({{vars.NAME}}). Every value is sealed at rest; a secret one
// never comes back after saving (the answer says it is set), a plain one does.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { MAX_VARIABLE_BYTES, VARIABLE_NAME, VariableError } from '../../engine/variables.ts';
import { ApiError, notFound, type ApiRouter } from '../router.ts';

const nameParam = z.object({
  name: z.string().regex(VARIABLE_NAME, 'name: a letter or "_" first, then letters, digits or "_", at most 64 characters'),
});

const variableBody = z.object({
  value: z
    .string()
    .refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_VARIABLE_BYTES, `value: at most ${MAX_VARIABLE_BYTES / 1024} KB`)
    .optional(),
  secret: z.boolean().default(false),
});

export function registerVariablesRoutes(api: ApiRouter, s: Services): void {
  // Audit entries name the variable and its kind, never its value.
  const before = async (c: { params: { name: string }; workspaceId: string }) => {
    const v = await s.store.variables.get(c.workspaceId, c.params.name);
    return v ? { name: v.name, secret: v.secret } : null;
  };
  const kind = (secret: boolean) => (secret ? 'secret' : 'plain');
  const target = (c: { params: { name: string } }) => ({ type: 'variable', id: c.params.name, name: c.params.name });
  api.add({
    method: 'GET', url: '/variables', summary: 'Variables of the workspace for templates ({{vars.NAME}}); secret values are never returned (value null, set true)', tag: 'variables', role: 'viewer',
    async handler({ workspaceId }) {
      return { items: await s.variables.list(workspaceId) };
    },
  });
  api.add({
    method: 'PUT', url: '/variables/:name',
    summary: 'Create or replace a variable; with `value` left out the saved value is kept (a secret becomes plain only with a new value)',
    tag: 'variables', role: 'editor', params: nameParam, body: variableBody,
    audit: {
      action: (c) => (c.before ? 'variable.update' : 'variable.create'),
      target,
      before,
      details: (c) => ({ kind: kind(c.body.secret), valueChanged: c.body.value !== undefined, ...(c.before && c.before.secret !== c.body.secret ? { kindBefore: kind(c.before.secret) } : {}) }),
    },
    async handler({ params, body, workspaceId }) {
      try {
        return await s.variables.set(workspaceId, params.name, body);
      } catch (error) {
        if (error instanceof VariableError) throw new ApiError(400, `${error.field}: ${error.message}`);
        throw error;
      }
    },
  });
  api.add({
    method: 'DELETE', url: '/variables/:name', summary: 'Delete a variable (flows that use it fail at that step until it is set again)', tag: 'variables', role: 'editor', params: nameParam,
    audit: { action: 'variable.delete', target, before, details: (c) => (c.before ? { kind: kind(c.before.secret) } : {}) },
    async handler({ params, workspaceId }) {
      if (!(await s.variables.delete(workspaceId, params.name))) throw notFound('Variable');
      return { ok: true };
    },
  });
}
