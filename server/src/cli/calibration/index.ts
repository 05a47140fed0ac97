/**
 * Calibration and validation against the real machine, for the CLI commands
 * `copyscope calibrate` and `copyscope validate` (adapter code: compiles and
 * runs C programs, writes the profile file).
 */

export { runCalibrate, profileFromMeasurements, CALIBRATION_PROGRAMS, type CalibrateOptions, type CalibrateResult } from './calibrate';
export {
  runValidate, compareWithPredictions, formatValidationTable, predictNs, validationPrograms,
  DEFAULT_VALIDATION_SIZES, VALIDATION_TARGET,
  type ValidateOptions, type ValidateResult, type ValidationRow, type ValidationSizes,
} from './validate';
export { findCalibrationSources, compileProgram, runProgram, withBuildDirectory, type Log, type ProgramSpec, type ProgramOutput, type Toolchain } from './programs';
