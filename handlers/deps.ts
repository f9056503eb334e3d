export type { HandlerDeps } from '../src/web';
