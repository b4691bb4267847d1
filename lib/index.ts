export * from './zonal-fleet';
export * from './zonal-shift-responder';
export * from './zonal-deployment';
export * from './zonal-alarms';
export * from './zonal-dashboard';
export * from './az-independent-service';
export * from './zonal-probes';
