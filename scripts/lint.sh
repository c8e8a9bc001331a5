#!/usr/bin/env bash
# scripts/lint.sh check|format: shellcheck every script, clang-format check (or apply) on C++ sources.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-check}"
mapfile -t shell_files < <(git ls-files -- '*.sh' '.ci/run' 2>/dev/null || true)
mapfile -t cpp_files < <(git ls-files -- 'actors/*.hpp' 'actors/*.cpp' 'runtime/*.hpp' 'runtime/*.cpp' \
  'runtime/**/*.cpp' 'tests/*.cpp' 'tests/**/*.cpp' 'tests/**/*.hpp' 2>/dev/null || true)

case "$mode" in
  format)
    if ((${#cpp_files[@]})); then clang-format -i "${cpp_files[@]}"; fi
    ;;
  check)
    if ((${#shell_files[@]})); then shellcheck -x "${shell_files[@]}"; fi
    if ((${#cpp_files[@]})); then clang-format --dry-run --Werror "${cpp_files[@]}"; fi
    echo "lint: ${#shell_files[@]} shell scripts and ${#cpp_files[@]} C++ files clean"
    ;;
  *) echo "usage: $0 check|format" >&2; exit 2 ;;
esac
