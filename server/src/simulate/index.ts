/**
 * The simulate layer's public surface: machine profiles, scenarios and their
 * canonical builders, the simulator, and the timeline types for adapters.
 *
 * Invariants: nothing in this layer does I/O or imports from outside
 * server/src/simulate except the engine's plain types.
 */

export * from './profile';
export * from './scenario';
export * from './canonical';
export * from './costModel';
export * from './simulator';
export * from './timeline';
export * from './simulateTimeline';
