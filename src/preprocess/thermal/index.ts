/** Thermal preprocessing: infrared images → 1x224x224 float32. See README.md. */
export {
  THERMAL_SIZE,
  loadThermalFile,
  preprocessThermalBuffer,
  preprocessThermalRaw,
  type ThermalOptions,
  type ThermalScale,
} from './thermal.ts';
