/**
 * Creates the ts-morph project the scanner reads: the compiler options of the project's `tsconfig.json` (or
 * sensible NodeNext defaults), holding only the files under the source roots plus what they import.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget, type SourceFile } from "ts-morph";

/** A project with the compiler options of `<projectRoot>/tsconfig.json`, and no files yet. */
export function createProject(projectRoot: string): Project {
  const tsConfigFilePath = path.join(projectRoot, "tsconfig.json");
  if (fs.existsSync(tsConfigFilePath)) {
    return new Project({ tsConfigFilePath, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
  }
  return new Project({
    compilerOptions: {
      target: ScriptTarget.ES2022,
      module: ModuleKind.NodeNext,
      moduleResolution: ModuleResolutionKind.NodeNext,
      strict: true,
      allowImportingTsExtensions: true,
      noEmit: true,
    },
  });
}

/** Adds files (absolute paths) to the project, then everything they import. */
export function addSourceFiles(project: Project, filePaths: readonly string[]): SourceFile[] {
  const files = filePaths.map((f) => project.getSourceFile(f) ?? project.addSourceFileAtPath(f));
  project.resolveSourceFileDependencies();
  return files;
}
