FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml constraints.txt ./
RUN pip install -c constraints.txt . && rm -rf /root/.cache
COPY . .
RUN pip install --no-deps -c constraints.txt -e . \
 && SECRET_KEY=build-only python manage.py collectstatic --noinput
EXPOSE 8000 8001
