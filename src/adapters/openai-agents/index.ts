/**
 * turnlog/openai-agents: a turnlog session log as the OpenAI Agents SDK `Session`
 * (`@openai/agents-core`, also re-exported by `@openai/agents`).
 */
export { TurnlogSession } from './session.js';
export type { TurnlogSessionOptions } from './session.js';
