#!/bin/sh
set -eu
exec registry serve "$(params.config)"
