/** IMU preprocessing: logs (CSV, JSON, .npy) → the IMU encoder's 6 × 2000 input. */
export { IMU_CHANNELS, channelOf, timeColumnOf } from './columns.ts';
export type { ColumnOverrides, ImuChannel, TimeUnit } from './columns.ts';
export { IMU_DEFAULTS, imuFromColumns } from './imu.ts';
export type { ImuColumns, ImuOptions, ImuResult } from './imu.ts';
export { loadImuBytes, loadImuFile, loadImuFiles } from './load.ts';
export type { ImuBatchItem } from './load.ts';
