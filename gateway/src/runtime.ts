/**
 * V8 heap settings the gateway runs with.
 *
 * Intake keeps each request's parsed events, prepared records and write in
 * flight for tens of milliseconds. With V8's default 16 MiB semi-spaces a
 * bulk feed of a thousand events outlives several scavenges and is copied at
 * each one: measured under bulk intake, scavenges took about an eighth of the
 * main thread and of each intake worker, and kept V8's helper threads busy.
 * 64 MiB semi-spaces let most of it die young. V8 grows new space to this size
 * only under allocation pressure, so an idle gateway does not pay for it.
 */
export const SEMI_SPACE_MB = 64;

/** Node options to start a gateway process with (npm start, the benchmarks, a service unit; gateway/package.json's start script spells the same option, as JSON cannot import it). */
export const GATEWAY_NODE_OPTIONS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`];

/**
 * The same for intake worker threads, whose limits are set per worker. V8's
 * young generation is three semi-spaces (two, plus its new large-object space).
 * A process started with --max-semi-space-size uses that value instead.
 */
export const INTAKE_WORKER_LIMITS = { maxYoungGenerationSizeMb: 3 * SEMI_SPACE_MB } as const;
