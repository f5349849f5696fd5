#!/bin/bash
# The paper's experiment on a Slurm cluster: one MPI rank per task, one core each
# (docs/experiment.md, "On a cluster"). Submit from the repository's root after `make build`,
# with the archive and the output folder on a file system every node sees:
#
#   sbatch scripts/slurm-experiment.sh                     # 32 ranks, the built-in paper plan
#   sbatch --ntasks=64 scripts/slurm-experiment.sh         # more ranks
#   PLAN=my.plan OUT=/scratch/me/run sbatch scripts/slurm-experiment.sh
#
# The job resumes: when it runs out of time, is cancelled, or a node dies, submit it again
# with the same PLAN, ARCHIVE and OUT and it continues from the journal (OUT/journal.txt).
#SBATCH --job-name=seqnetquake-paper
#SBATCH --ntasks=32
#SBATCH --cpus-per-task=1
#SBATCH --mem-per-cpu=3G
#SBATCH --time=24:00:00
#SBATCH --output=seqnetquake-%j.log
set -euo pipefail

PLAN=${PLAN:-paper}
ARCHIVE=${ARCHIVE:-paper-out/archive}
OUT=${OUT:-paper-out/run}
DESIGN=${DESIGN:-}                 # empty (the plan's own), paper, rigorous or both
BIN=${BIN:-build/seqnetquake}
EXTRA=${EXTRA:-}                   # e.g. EXTRA="--trials 20"

# The archive once (the synthetic one unless ARCHIVE already holds data).
if [ ! -e "$ARCHIVE/synth.txt" ] && [ ! -d "$ARCHIVE/cses" ]; then
  "$BIN" synth --out "$ARCHIVE" --seed 1 --quiet
fi

# One thread per rank: with --threads 1 (the default) every unit is reproducible bit for bit.
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export OPENBLAS_NUM_THREADS=1
# When a rank dies, mpirun sends the others SIGTERM, then SIGKILL after this many seconds: time
# for rank 0 to say what is kept and how to continue.
export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-10}

# Rank 0 schedules, journals and works; every other rank works. srun --mpi=pmix works as well
# where Slurm's PMIx plugin is set up. --keep-going: a unit that fails does not leave the
# allocation idle; the job still fails at its end naming it, and resubmitting retries it.
# shellcheck disable=SC2086
mpirun -n "${SLURM_NTASKS:-32}" "$BIN" experiment --plan "$PLAN" --archive "$ARCHIVE" --out "$OUT" \
  ${DESIGN:+--design "$DESIGN"} --threads "${SLURM_CPUS_PER_TASK:-1}" --keep-going $EXTRA
