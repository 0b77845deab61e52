Estimado(a) usuario(a):

Le informamos que la Clave Sence (CS) del RUT {{rut}} fue cambiada correctamente. Desde ahora, use su nueva Clave Sence para iniciar sesión en las plataformas del Sence.

Si usted no hizo este cambio, recupere su clave de inmediato en {{url}} ("Recuperar CS aquí") y llámenos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.

Atte.
SENCE
