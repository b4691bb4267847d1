export * from './zonal-fleet';
export * from './zonal-shift-responder';
export * from './zonal-deployment';
