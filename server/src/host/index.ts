/** Node-side services shared by the CLI and the language server. */
export { loadNodeSyntax } from './nodeSyntax';
export { CONFIG_FILE_NAME, findConfigFile, loadConfigFile } from './configFiles';
export { decodeSource, readRegularFile, readSourceFile, type SourceRead } from './sourceFiles';
export { configChain, ignoredByPatterns } from './configChain';
export { GitignoreStack } from './gitignore';
