FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings, and settings refuse to start without secrets: throwaway ones, for
# this build step only (the image keeps none; docker-compose.yml passes the real ones). It opens no
# database connection: the URL only satisfies settings, nothing listens there.
RUN CASINO_ENV=local SECRET_KEY=build-only FRONTEND_API_KEYS=build-only \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktbm90LWZvci1hbnktc2VydmU= \
    DATABASE_URL=postgres://collectstatic@localhost/unused \
    python manage.py collectstatic --noinput --verbosity 0
EXPOSE 8000
CMD ["gunicorn", "casino.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
