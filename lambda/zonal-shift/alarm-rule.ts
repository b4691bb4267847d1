// The composite-rule parser lives with the library, so the game-day simulator reads rules
// exactly as this function does; esbuild bundles it into the handler.
export * from '../../lib/private/alarm-rule';
