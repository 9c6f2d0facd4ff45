# Image of either silo; docker-compose.yml picks the module to run.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared shared
COPY region region
COPY control control
RUN pip install --no-cache-dir .
EXPOSE 50051
CMD ["python", "-m", "region.server"]
