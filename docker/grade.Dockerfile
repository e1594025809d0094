# Grading in a container: students' code runs as an unprivileged user, with no network, on a read-only
# root file system, with the submissions mounted read-only and only the output folder writable.
#
#   docker build -f docker/grade.Dockerfile -t seqcourse-grade .
#   docker run --rm --network none --read-only --tmpfs /tmp:exec,size=4g \
#     --memory 6g --cpus 2 --pids-limit 512 \
#     -v "$PWD/submissions:/submissions:ro" -v "$PWD/graded:/graded" \
#     seqcourse-grade /submissions --out /graded --jobs 2 --timeout 300 --notebook-timeout 1800
#
# (create ./graded first and make it writable by uid 10001: mkdir graded && sudo chown 10001 graded)
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp/home JUPYTER_RUNTIME_DIR=/tmp/jupyter MPLCONFIGDIR=/tmp/matplotlib KERAS_HOME=/tmp/keras \
    TF_CPP_MIN_LOG_LEVEL=2 MPLBACKEND=Agg

WORKDIR /opt/seqcourse
COPY . /opt/seqcourse
# the package with the grading tools (nbclient, nbformat, ipykernel), installed for everyone, owned by root
RUN pip install ".[grade]" && python -m ipykernel install --name python3 --sys-prefix \
    && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin grader

USER grader
WORKDIR /tmp
ENTRYPOINT ["seqcourse", "grade"]
