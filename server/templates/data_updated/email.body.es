Estimado(a) usuario(a):

Le informamos que los datos personales asociados a la Clave Sence del RUT {{rut}} (pregunta secreta, domicilio y datos de contacto) fueron actualizados correctamente.

Si usted no hizo este cambio, cambie su Clave Sence en {{url}} ("Cambie su CS aquí") y llámenos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.

Atte.
SENCE
