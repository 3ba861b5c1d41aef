// Value helpers every connector needs, one copy each.
export { isPlainObject } from '../lib/json.ts';
