/**
 * `--device` for every command that runs encoders: parsed here, resolved by the library
 * (`ImageBind.load(dir, { device })`, which also reads $IMAGEBIND_DEVICE when the flag is absent).
 */
import { Option } from 'commander';
import type { Device } from '../runtime/device.ts';
import { parseDevice } from '../runtime/device.ts';

export const DEVICE_HELP =
  'where encoders run: cpu, webgpu, cuda or auto (first GPU that starts, else cpu; default: $IMAGEBIND_DEVICE or cpu)';

/** The option, for a command's `.addOption(deviceOption())`. */
export function deviceOption(): Option {
  return new Option('--device <device>', DEVICE_HELP).argParser((s: string) => parseDevice(s, '--device'));
}

/** ImageBind.load options for the flag: the device, and `auto`'s fallback note printed on stderr. */
export function deviceLoadOptions(flags: { device?: Device }): {
  device?: Device;
  onNotice: (m: string) => void;
} {
  return {
    ...(flags.device ? { device: flags.device } : {}),
    onNotice: (m) => process.stderr.write(`note: ${m}\n`),
  };
}
