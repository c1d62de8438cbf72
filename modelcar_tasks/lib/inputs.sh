# shellcheck shell=bash
# Every input of a step is hostile until checked: paths stay inside their workspace, numbers are
# digits within bounds before any arithmetic, other values match what they name. A bad value
# stops the step at once, before anything is read or removed, with exit code 2 and a message
# naming the param. Values are never evaluated: they are printed quoted and passed as words.

# The param a variable carries: IMAGE_PATH -> image-path.
param_of() {
  local name=${1,,}
  printf '%s' "${name//_/-}"
}

input_error() {
  printf 'error: %s\n' "$1" >&2
  exit 2
}

# require_match VARIABLE REGEX WHAT: the whole value matches the extended regular expression.
require_match() {
  local value=${!1-}
  if [[ ! $value =~ ^($2)$ ]]; then
    input_error "$(param_of "$1") ${value@Q} is not $3"
  fi
}

# require_count VARIABLE MIN MAX: a whole number from MIN to MAX, written with digits only.
require_count() {
  local value=${!1-}
  if [[ ! $value =~ ^(0|[1-9][0-9]{0,8})$ ]] || ((value < $2 || value > $3)); then
    input_error "$(param_of "$1") ${value@Q} must be a whole number from $2 to $3"
  fi
}

# require_choice VARIABLE CHOICE...: one of the choices, spelt exactly.
require_choice() {
  local value=${!1-} choice
  for choice in "${@:2}"; do
    if [[ $value == "$choice" ]]; then return 0; fi
  done
  input_error "$(param_of "$1") ${value@Q} must be one of: ${*:2}"
}

# confined_path VARIABLE: the path the variable names inside the source workspace, resolved. It
# must be relative and normalised (no empty, '.' or '..' parts), spelt with letters, digits and
# . _ + @ = , - (no part starting with '-'), name something below the workspace rather than the
# workspace itself, and stay inside it after symbolic links.
confined_path() {
  local value=${!1-} param root resolved part parts
  local portable='[A-Za-z0-9._+@=,][A-Za-z0-9._+@=,-]*'
  param=$(param_of "$1")
  root=$(realpath -e -- "${WORKSPACE_SOURCE_PATH:?WORKSPACE_SOURCE_PATH is required}" 2>/dev/null) ||
    input_error "the source workspace ${WORKSPACE_SOURCE_PATH@Q} does not exist"
  if [[ ! $value =~ ^$portable(/$portable)*$ ]]; then
    input_error "$param ${value@Q} must be a relative path inside the workspace, of letters, digits and . _ + @ = , - (like model or models/mistral-24b)"
  fi
  IFS=/ read -r -a parts <<< "$value"
  for part in "${parts[@]}"; do
    if [[ $part == . || $part == .. ]]; then
      input_error "$param ${value@Q} must be a normalised path inside the workspace: no '.' or '..' parts"
    fi
  done
  resolved=$(realpath -m -- "$root/$value") ||
    input_error "$param ${value@Q} cannot be resolved inside the workspace (a symbolic link loop?)"
  if [[ $resolved != "$root"/* ]]; then
    input_error "$param ${value@Q} leads to $resolved, outside the workspace $root, through a symbolic link"
  fi
  printf '%s\n' "$resolved"
}

# workspace_bound NAME: true when the optional workspace NAME (e.g. CA_BUNDLE) is bound.
workspace_bound() {
  local path="WORKSPACE_${1}_PATH" bound="WORKSPACE_${1}_BOUND"
  [[ -n ${!path-} && ${!bound-true} == true ]]
}
